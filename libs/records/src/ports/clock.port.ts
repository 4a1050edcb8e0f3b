export const CLOCK = Symbol('Clock');
export const ID_GENERATOR = Symbol('IdGenerator');

export type Clock = () => Date;

export interface IdGenerator {
  next(): string;
}

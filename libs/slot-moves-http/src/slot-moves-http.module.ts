import { DynamicModule, type FactoryProvider, Module } from '@nestjs/common';
import type { SlotMoveOperator } from '@shardline/slot-moves';
import { SLOT_MOVE_OPERATOR, SlotMovesAdminHttpController } from './slot-moves.http.controller';

/** `/admin/slot-moves`; the app says how its SlotMoveOperator is made (store and saga orchestrator). */
@Module({})
export class SlotMovesHttpModule {
  static forRoot(operator: Omit<FactoryProvider<SlotMoveOperator>, 'provide'>): DynamicModule {
    return { module: SlotMovesHttpModule, controllers: [SlotMovesAdminHttpController], providers: [{ provide: SLOT_MOVE_OPERATOR, ...operator }] };
  }
}

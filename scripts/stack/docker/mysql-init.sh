#!/bin/bash
# Run once by the mysql:8 image on an empty data volume (/docker-entrypoint-initdb.d/).
# Creates the databases named in SHARDLINE_DATABASES (space-separated; default: the control
# database and the four shard databases) and lets root in from any host without a password,
# like the native stack (local dev/test only).
set -euo pipefail
dbs="${SHARDLINE_DATABASES:-shardline_control data_db_0 data_db_1 data_db_2 data_db_3}"
sql=""
for db in $dbs; do
  sql+="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;"
done
echo "shardline init: creating databases: $dbs"
mysql --protocol=socket -uroot <<SQL
$sql
SQL

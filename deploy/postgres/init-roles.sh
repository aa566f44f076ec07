#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d), as the
# superuser: the two roles of Acidic's restricted setup and their database.
#   acidic_owner  owns the database, so its public schema: `migrate` runs as it and creates tables
#   acidic_app    the processors' role: `migrate --grant-to acidic_app` gives it DML, nothing more
# The passwords come from the service's environment (OWNER_PASSWORD, APP_PASSWORD).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$OWNER_PASSWORD" -v app_password="$APP_PASSWORD" <<'SQL'
CREATE ROLE acidic_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE acidic_app LOGIN PASSWORD :'app_password';
CREATE DATABASE acidic OWNER acidic_owner;
REVOKE ALL ON DATABASE acidic FROM PUBLIC;
GRANT CONNECT ON DATABASE acidic TO acidic_owner, acidic_app;
SQL

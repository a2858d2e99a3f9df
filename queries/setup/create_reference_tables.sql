-- Setup, run once when the store opens: the reference tables, from the territory's frames that the
-- store registers first (_communes, _zones, _circonscriptions, _bassins, _indicators, _academie).
-- Grain: communes one row per INSEE code; zones per zone (with its académie in a région académique of
-- several, else null); circonscriptions and bassins per code
-- (their communes as a list); indicators per indicator of the roadmap; academie one row;
-- snapshots one row per snapshot (filled by the store from the snapshot manifests).
create table communes as
select insee as commune_code, name as commune_name, population, isolation, access, zone as zone_code, lat, lon
from _communes;

create table zones as
select zone as zone_code, name as zone_name, academie as academie_code
from _zones;

create table circonscriptions as
select code, name, string_split(communes, ' ') as communes, is_demo = 'true' as is_demo
from _circonscriptions;

create table bassins as
select code, name, string_split(communes, ' ') as communes, is_demo = 'true' as is_demo
from _bassins;

create table indicators as
select *
from _indicators;

create table academie as
select code, name
from _academie;

create table snapshots (snapshot_date date, school_year varchar, fact_rows bigint, is_demo boolean);

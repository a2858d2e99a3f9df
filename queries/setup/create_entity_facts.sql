-- Setup, run once when the store opens, before queries/load_entity_facts.sql: `entities` gets its
-- integer `entity_key`, and the empty `entity_facts` table is created in a compressed in-memory
-- database (`compact`), with a view of the same name in the main schema for the queries.
-- Grain of entity_facts: one row per fact (snapshot_date, indicator_key, entity_key).
create table _keyed_entities as
select *, row_number() over (order by entity_level, entity_id)::integer as entity_key
from entities;

drop table entities;

alter table _keyed_entities rename to entities;

attach ':memory:' as compact (compress);

create table compact.entity_facts (
    snapshot_date date,
    indicator_key smallint,
    entity_key integer,
    value double,
    denominator double
);

create view entity_facts as select * from compact.entity_facts;

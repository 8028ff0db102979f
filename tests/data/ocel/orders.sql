-- crmflow test fixture: the orders.jsonocel log in the OCEL 2.0 SQLite layout (written by hand).
CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT,
    PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier));
CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT,
    PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier));

INSERT INTO event_map_type VALUES ('Создать заказ', 'CreateOrder'), ('pick item', 'pickitem'),
    ('pay order', 'payorder'), ('Отправить посылку', 'SendPackage');
INSERT INTO object_map_type VALUES ('order', 'order'), ('item', 'item'), ('package', 'package'),
    ('клиент', 'Customer');

CREATE TABLE event_CreateOrder (ocel_id TEXT PRIMARY KEY, ocel_time TIMESTAMP, "канал" TEXT, "сумма" REAL);
CREATE TABLE event_pickitem (ocel_id TEXT PRIMARY KEY, ocel_time TIMESTAMP, "склад" TEXT, qty INTEGER);
CREATE TABLE event_payorder (ocel_id TEXT PRIMARY KEY, ocel_time TIMESTAMP, online BOOLEAN, due TIMESTAMP);
CREATE TABLE event_SendPackage (ocel_id TEXT PRIMARY KEY, ocel_time TIMESTAMP);

CREATE TABLE object_order (ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT, "статус" TEXT);
CREATE TABLE object_item (ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT, price REAL);
CREATE TABLE object_package (ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT);
CREATE TABLE object_Customer (ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT, "город" TEXT);

INSERT INTO event VALUES ('e1', 'Создать заказ'), ('e2', 'Создать заказ'), ('e3', 'pick item'),
    ('e4', 'pick item'), ('e5', 'pay order'), ('e6', 'Отправить посылку'), ('e7', 'pick item'),
    ('e8', 'pay order');
INSERT INTO event_CreateOrder VALUES ('e1', '2024-03-01T10:00:00+03:00', 'сайт', 1299.5),
    ('e2', '2024-03-01T11:30:00Z', 'телефон', 350);
INSERT INTO event_pickitem VALUES ('e3', '2024-03-02T09:00:00Z', 'Москва', 2),
    ('e4', '2024-03-02T09:00:00Z', 'Москва', 1), ('e7', '2024-03-02T10:00:00Z', 'Казань', 1);
INSERT INTO event_payorder VALUES ('e5', '2024-03-02T12:00:00+03:00', 1, '2024-03-10T00:00:00Z'),
    ('e8', '2024-03-04T00:00:00Z', 0, NULL);
INSERT INTO event_SendPackage VALUES ('e6', '2024-03-03T08:00:00Z');

INSERT INTO object VALUES ('o1', 'order'), ('o2', 'order'), ('i1', 'item'), ('i2', 'item'),
    ('i3', 'item'), ('i4', 'item'), ('p1', 'package'), ('c1', 'клиент');
INSERT INTO object_order VALUES ('o1', '1970-01-01T00:00:00Z', NULL, 'новый'),
    ('o1', '2024-03-02T09:00:00Z', 'статус', 'оплачен'), ('o2', '1970-01-01T00:00:00Z', NULL, 'новый');
INSERT INTO object_item VALUES ('i1', '1970-01-01T00:00:00Z', NULL, 1200.5),
    ('i2', '1970-01-01T00:00:00Z', NULL, 99), ('i3', '1970-01-01T00:00:00Z', NULL, NULL),
    ('i4', '1970-01-01T00:00:00Z', NULL, NULL);
INSERT INTO object_package VALUES ('p1', '1970-01-01T00:00:00Z', NULL);
INSERT INTO object_Customer VALUES ('c1', '1970-01-01T00:00:00Z', NULL, 'Казань');

INSERT INTO event_object VALUES
    ('e1', 'o1', 'заказ'), ('e1', 'i1', 'товар'), ('e1', 'i2', 'товар'), ('e1', 'c1', 'клиент'),
    ('e2', 'o2', 'заказ'), ('e2', 'i3', 'товар'), ('e2', 'i4', 'товар'), ('e2', 'c1', 'клиент'),
    ('e3', 'i1', 'picked'), ('e3', 'o1', ''),
    ('e4', 'i2', 'picked'), ('e4', 'o1', ''),
    ('e5', 'o1', 'заказ'),
    ('e6', 'p1', 'посылка'), ('e6', 'i1', 'товар'), ('e6', 'i2', 'товар'), ('e6', 'o1', 'заказ'),
    ('e7', 'i3', 'picked'), ('e7', 'o2', ''),
    ('e8', 'o2', 'заказ');
INSERT INTO object_object VALUES ('o1', 'i1', 'содержит'), ('o1', 'i2', 'содержит'),
    ('o1', 'c1', 'покупатель'), ('o2', 'i3', 'содержит'), ('o2', 'i4', 'содержит'),
    ('p1', 'i1', 'contains'), ('p1', 'i2', 'contains');

-- Migration: Create products
-- Created: 2026-09-03T14:12:00Z
-- Author: bob@example.com

-- Up Migration
CREATE TABLE products (
    id BIGINT NOT NULL,
    sku TEXT NOT NULL,
    title TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (id)
);

COMMENT ON TABLE products IS 'Things we sell; price in cents; never negative';

-- Down Migration
DROP TABLE products;

-- Migration: Create customers
-- Created: 2026-09-01T08:00:00Z
-- Author: alice@example.com

-- Up Migration
CREATE TABLE customers (
    id BIGINT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);

CREATE UNIQUE INDEX customers_email ON customers (email);

-- Down Migration
DROP INDEX customers_email;
DROP TABLE customers;

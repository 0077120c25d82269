-- Migration: Create orders
-- Created: 2026-09-10T09:30:00Z
-- Author: alice@example.com

-- Up Migration
CREATE TABLE orders (
    id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    status TEXT NOT NULL DEFAULT 'open',
    placed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);

CREATE TABLE order_lines (
    order_id BIGINT NOT NULL REFERENCES orders (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);

-- Down Migration
DROP TABLE order_lines;
DROP TABLE orders;

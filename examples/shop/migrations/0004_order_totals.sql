-- Migration: Order totals
-- Created: 2026-10-02T16:45:00Z
-- Author: carol@example.com

-- Up Migration
-- A SQL-standard function body: the `;` inside BEGIN ATOMIC ... END do not
-- end the statement.
CREATE FUNCTION order_total(order_id BIGINT) RETURNS BIGINT
LANGUAGE SQL
BEGIN ATOMIC
    SELECT COALESCE(SUM(l.quantity * p.price_cents), 0)
    FROM order_lines l JOIN products p ON p.id = l.product_id
    WHERE l.order_id = order_total.order_id;
END;

CREATE FUNCTION touch_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = '' THEN
        NEW.status := 'open'; -- never empty
    END IF;
    RETURN NEW;
END;
$$;

-- Down Migration
DROP FUNCTION touch_status();
DROP FUNCTION order_total(BIGINT);

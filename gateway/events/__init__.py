"""Events out: the CloudEvents envelope, the publishers (RabbitMQ with confirms, or in-process),
the relay that drains the outbox into them, and the per-process feed subscribers read from."""

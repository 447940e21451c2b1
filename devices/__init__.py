"""Device ingestion: IPC-CFX messages over AMQP and Modbus TCP polling, translated into commands."""

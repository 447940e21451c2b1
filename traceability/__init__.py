"""The traceability store: the domain at the centre of TraceBridge.

Tables, the commands that change them and the queries that read them. Nothing here knows about
HTTP, SOAP, AMQP or Modbus; adapters translate their messages into these commands.
"""

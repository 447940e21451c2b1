"""One translator per CFX message: a message body in, the store commands it means out."""

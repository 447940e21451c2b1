"""The web dashboard: a static page and small ES modules, fed only by GraphQL and its subscriptions."""

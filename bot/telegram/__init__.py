"""The Telegram adapter: the Application, handlers, update order, delivery to the Bot API."""

"""SQLite storage: the schema, its migrations and every SQL statement the bot runs."""

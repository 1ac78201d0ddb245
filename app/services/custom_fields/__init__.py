"""Custom fields: definitions (and their flush hook), typed values, list filters."""

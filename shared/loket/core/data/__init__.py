"""The tickets table: pynamodb models, key layout, limits and the ticket repository."""

"""Cross-cutting parts every domain package uses: database types, audit chain, mail, security."""

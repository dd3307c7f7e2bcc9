DELETE FROM kb_overrides

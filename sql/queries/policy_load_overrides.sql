SELECT kb, action, note FROM kb_overrides ORDER BY kb

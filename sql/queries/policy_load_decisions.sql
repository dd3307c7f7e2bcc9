SELECT policy, kb, action, reason, decided_by FROM decisions ORDER BY policy, kb

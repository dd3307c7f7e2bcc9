SELECT name FROM orgs

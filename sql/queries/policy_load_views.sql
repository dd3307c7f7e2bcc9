SELECT name, filter, description FROM views ORDER BY name

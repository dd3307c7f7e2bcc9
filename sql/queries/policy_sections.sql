SELECT section, digest FROM setup_sections

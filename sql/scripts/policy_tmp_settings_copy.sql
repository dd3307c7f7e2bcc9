COPY pw_tmp_agent_settings FROM STDIN (FORMAT binary)

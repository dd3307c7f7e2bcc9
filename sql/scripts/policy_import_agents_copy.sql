COPY pw_tmp_agents FROM STDIN

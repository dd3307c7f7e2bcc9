COPY pw_upload_agents FROM STDIN

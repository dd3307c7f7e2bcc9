COPY pw_tmp_trail FROM STDIN

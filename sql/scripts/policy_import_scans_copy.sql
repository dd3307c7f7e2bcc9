COPY pw_tmp_scans FROM STDIN

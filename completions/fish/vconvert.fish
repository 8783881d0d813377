complete -c vconvert -s d -d 'the vpopmail directory (default: ~vpopmail)' -r
complete -c vconvert -s m -d 'read vpopmail\'s MySQL tables: host:user:password[:port|socket]' -r
complete -c vconvert -s D -d 'with -m: the database (default vpopmail)' -r
complete -c vconvert -s t -d 'with -m: the many-domains table (default vpopmail); per-domain tables are read too' -r
complete -c vconvert -s b -d 'accounts per transaction (default 500)' -r
complete -c vconvert -s v -d 'verbose'
complete -c vconvert -s n -d 'dry run'
complete -c vconvert -l dry-run -d 'report what would be done and change nothing'
complete -c vconvert -s M -d 'do not copy the mail'
complete -c vconvert -l no-mail -d 'do not copy the mail'

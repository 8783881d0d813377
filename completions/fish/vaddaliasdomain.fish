complete -c vaddaliasdomain -s v -d 'verbose'

complete -c execmysql -s d -d 'the database of this domain on mail store `host` (first operand)' -r
complete -c execmysql -s v -d 'verbose: report the rows each statement changed'

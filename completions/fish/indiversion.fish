complete -c indiversion -l json -d 'print one JSON object'

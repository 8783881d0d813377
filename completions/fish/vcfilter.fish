complete -c vcfilter -s d -d 'delete a filter' -r
complete -c vcfilter -s u -d 'update a filter' -r
complete -c vcfilter -s t -d 'filter name' -r
complete -c vcfilter -s c -d 'comparison: number or name (0-7)' -r
complete -c vcfilter -s h -d 'header: number or name from the header list (-1 with -c 5)' -r
complete -c vcfilter -s k -d 'keyword' -r
complete -c vcfilter -s f -d 'destination folder (/NoDeliver to junk)' -r
complete -c vcfilter -s b -d '0, 1, 2\'&user@domain\', 2\'|prog\', 3\'&...\', 3\'|...\'' -r
complete -c vcfilter -s v -d 'verbose'
complete -c vcfilter -s C -d 'look the address up first (clustered sites)'
complete -c vcfilter -s s -d 'show the filters'
complete -c vcfilter -s r -d 'raw display (with -s)'
complete -c vcfilter -s i -d 'add a filter'
complete -c vcfilter -l json -d 'with -s: print JSON (see docs/json.md)'

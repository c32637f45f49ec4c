from linkcheck.entry import main

main()

from shapecalc.entry import main

main()

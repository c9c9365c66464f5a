from shapecalc.cli.entry import main

main()

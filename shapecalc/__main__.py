from shapecalc.cli import main

main()

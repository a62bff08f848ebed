from cospiral.cli import main

main()

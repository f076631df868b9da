from orgevents.cli import main

main()

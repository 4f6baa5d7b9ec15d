from ranking.cli import main

main()

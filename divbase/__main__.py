from divbase.cli.app import main

main()

from sddkit.cli.entry import main

main()

from sddkit.cli import main

main()

from sddkit.entry import main

main()

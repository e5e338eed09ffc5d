process.stderr.write('berth: not built yet\n');
process.exit(1);

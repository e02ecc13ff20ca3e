/** The `patchbay` command line (filled in by its owner). */
console.log('patchbay: CLI under construction');

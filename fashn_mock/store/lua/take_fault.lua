-- Take one use of the first fault rule for (ARGV[3] key, ARGV[4] model).
return take_fault(ARGV[3], ARGV[4]) or false

/* refscope: the command-line tool. */
#include <stdio.h>

#include "../commands/command_line.h"

int main(int argc, char **argv)
{
	return rs_command_line(NULL, argc, argv, stdout, stderr);
}

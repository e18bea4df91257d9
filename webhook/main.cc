// Composition root of cell0-webhook.
#include "webhook/cli.h"

int main(int argc, char** argv) { return cell0::webhook::run_cli(argc, argv); }

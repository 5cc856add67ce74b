#include <iostream>

#include "services/ntfctl/src/ntfctl.h"

int main(int argc, char** argv) {
  return ntf::ntfctl::Main(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}

// The model pointer lives in its own file so the compiler cannot see what it points to.
const unsigned char* volatile kwstiny_model = nullptr;

/* CPython binding of the C frontend (kwstiny.frontend._cfrontend).
 *
 * Plain C API and the buffer protocol: numpy arrays go in and out without the numpy
 * C API, and the GIL is released while frames are computed so threads can share
 * the work. kwstiny/frontend/frontend.py wraps this in the public API. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>
#include <string.h>

#include "c/kws_frontend.h"

static PyObject *ConfigError; /* ValueError subclass; args: (setting, message) */

/* ---- configuration from a dict keyed by FrontendSettings field names -------- */

typedef struct {
  const char *name;
  char kind; /* 'i' int32, 'f' float */
  size_t offset;
} kws_field;

#define KWS_INT(name) {#name, 'i', offsetof(kws_frontend_config, name)}
#define KWS_FLOAT(name) {#name, 'f', offsetof(kws_frontend_config, name)}

static const kws_field kws_fields[] = {
    KWS_INT(sample_rate_hz),
    KWS_INT(window_size_ms),
    KWS_INT(window_step_ms),
    KWS_INT(fft_length),
    KWS_INT(filterbank_n_channels),
    KWS_FLOAT(filterbank_lower_band_limit),
    KWS_FLOAT(filterbank_upper_band_limit),
    KWS_INT(noise_reduction_enable),
    KWS_INT(noise_reduction_smoothing_bits),
    KWS_FLOAT(noise_reduction_even_smoothing),
    KWS_FLOAT(noise_reduction_odd_smoothing),
    KWS_FLOAT(noise_reduction_min_signal_remaining),
    KWS_INT(pcan_enable),
    KWS_FLOAT(pcan_strength),
    KWS_FLOAT(pcan_offset),
    KWS_INT(pcan_gain_bits),
    KWS_INT(log_scale_enable),
    KWS_INT(log_scale_shift),
    KWS_INT(activity_detection_enable),
    KWS_FLOAT(activity_detection_alpha_a),
    KWS_FLOAT(activity_detection_alpha_b),
    KWS_FLOAT(activity_detection_arm_threshold),
    KWS_FLOAT(activity_detection_trip_threshold),
    KWS_INT(dc_notch_filter_enable),
    KWS_FLOAT(dc_notch_filter_coefficient),
};

static int config_from_dict(PyObject *dict, kws_frontend_config *config) {
  size_t i;
  if (!PyDict_Check(dict)) {
    PyErr_SetString(PyExc_TypeError, "frontend config must be a dict");
    return 0;
  }
  kws_frontend_config_defaults(config);
  for (i = 0; i < sizeof(kws_fields) / sizeof(kws_fields[0]); ++i) {
    const kws_field *field = &kws_fields[i];
    PyObject *value = PyDict_GetItemString(dict, field->name); /* borrowed */
    char *slot = (char *)config + field->offset;
    if (value == NULL) {
      PyErr_Format(PyExc_KeyError, "frontend config lacks '%s'", field->name);
      return 0;
    }
    if (field->kind == 'i') {
      long v = PyLong_AsLong(value);
      if (v == -1 && PyErr_Occurred()) {
        return 0;
      }
      if (v < INT32_MIN || v > INT32_MAX) {
        PyErr_Format(PyExc_OverflowError, "frontend config '%s' is out of range", field->name);
        return 0;
      }
      *(int32_t *)(void *)slot = (int32_t)v;
    } else {
      double v = PyFloat_AsDouble(value);
      if (v == -1.0 && PyErr_Occurred()) {
        return 0;
      }
      *(float *)(void *)slot = (float)v;
    }
  }
  return 1;
}

static void raise_status(kws_frontend_status status) {
  const char *setting = kws_frontend_status_setting(status);
  PyObject *args = Py_BuildValue("(ss)", setting,
                                 "rejected by the C frontend for this configuration");
  if (args != NULL) {
    PyErr_SetObject(ConfigError, args);
    Py_DECREF(args);
  }
}

/* ---- buffers ------------------------------------------------------------------ */

/* True if a buffer's struct format is the single native code `code`. */
static int format_is(const Py_buffer *view, char code) {
  const char *f = view->format ? view->format : "B";
  if (*f == '@' || *f == '=' || *f == '<') { /* '<' is native on every target we build */
    ++f;
  }
  return f[0] == code && f[1] == '\0';
}

static int get_buffer(PyObject *object, Py_buffer *view, char code, int writable,
                      const char *what) {
  int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(object, view, flags) != 0) {
    return 0;
  }
  if (!format_is(view, code)) {
    PyErr_Format(PyExc_TypeError, "%s must be a contiguous buffer of format '%c', got '%s'", what,
                 code, view->format ? view->format : "B");
    PyBuffer_Release(view);
    return 0;
  }
  return 1;
}

/* ---- the Frontend type ---------------------------------------------------------- */

typedef struct {
  PyObject_HEAD
  void *memory;
  kws_frontend *frontend;
  Py_ssize_t state_bytes;
  int busy; /* set while a call runs without the GIL */
} FrontendObject;

static int Frontend_init(FrontendObject *self, PyObject *args, PyObject *kwargs) {
  static char *keywords[] = {"config", NULL};
  PyObject *dict;
  kws_frontend_config config;
  kws_frontend_status status;
  size_t size;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O", keywords, &dict)) {
    return -1;
  }
  if (self->memory != NULL) {
    PyErr_SetString(PyExc_RuntimeError, "Frontend is already initialised");
    return -1;
  }
  if (!config_from_dict(dict, &config)) {
    return -1;
  }
  status = kws_frontend_check_config(&config);
  size = status == KWS_FRONTEND_OK ? kws_frontend_state_size(&config) : 0;
  if (size == 0) {
    kws_frontend *unused;
    char probe[8];
    /* Let init name the failing setting (it reports before touching memory). */
    status = kws_frontend_init(&unused, probe, 0, &config);
    raise_status(status == KWS_FRONTEND_OK || status == KWS_FRONTEND_ERROR_MEMORY
                     ? KWS_FRONTEND_ERROR_ARGUMENT
                     : status);
    return -1;
  }
  self->memory = PyMem_RawMalloc(size);
  if (self->memory == NULL) {
    PyErr_NoMemory();
    return -1;
  }
  status = kws_frontend_init(&self->frontend, self->memory, size, &config);
  if (status != KWS_FRONTEND_OK) {
    PyMem_RawFree(self->memory);
    self->memory = NULL;
    raise_status(status);
    return -1;
  }
  self->state_bytes = (Py_ssize_t)size;
  return 0;
}

static void Frontend_dealloc(FrontendObject *self) {
  PyMem_RawFree(self->memory);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static int ready(FrontendObject *self) {
  if (self->frontend == NULL) {
    PyErr_SetString(PyExc_RuntimeError, "Frontend is not initialised");
    return 0;
  }
  if (self->busy) {
    PyErr_SetString(PyExc_RuntimeError,
                    "Frontend is in use by another thread; give each thread its own");
    return 0;
  }
  return 1;
}

static PyObject *Frontend_process(FrontendObject *self, PyObject *args) {
  PyObject *samples_object, *out_object;
  Py_buffer samples, out;
  size_t n_channels, max_frames, frames = 0, consumed;
  if (!PyArg_ParseTuple(args, "OO", &samples_object, &out_object) || !ready(self)) {
    return NULL;
  }
  if (!get_buffer(samples_object, &samples, 'h', 0, "samples")) {
    return NULL;
  }
  if (!get_buffer(out_object, &out, 'H', 1, "out")) {
    PyBuffer_Release(&samples);
    return NULL;
  }
  n_channels = (size_t)kws_frontend_n_channels(self->frontend);
  max_frames = (size_t)(out.len / (Py_ssize_t)sizeof(uint16_t)) / n_channels;
  self->busy = 1;
  Py_BEGIN_ALLOW_THREADS
  consumed = kws_frontend_process(self->frontend, (const int16_t *)samples.buf,
                                  (size_t)samples.len / sizeof(int16_t), (uint16_t *)out.buf,
                                  max_frames, &frames);
  Py_END_ALLOW_THREADS
  self->busy = 0;
  PyBuffer_Release(&samples);
  PyBuffer_Release(&out);
  return Py_BuildValue("(nn)", (Py_ssize_t)consumed, (Py_ssize_t)frames);
}

static PyObject *Frontend_frames_after(FrontendObject *self, PyObject *arg) {
  Py_ssize_t n = PyLong_AsSsize_t(arg);
  if ((n == -1 && PyErr_Occurred()) || !ready(self)) {
    return NULL;
  }
  if (n < 0) {
    PyErr_SetString(PyExc_ValueError, "sample count must be >= 0");
    return NULL;
  }
  return PyLong_FromSize_t(kws_frontend_frames_after(self->frontend, (size_t)n));
}

static PyObject *Frontend_reset(FrontendObject *self, PyObject *Py_UNUSED(ignored)) {
  if (!ready(self)) {
    return NULL;
  }
  kws_frontend_reset(self->frontend);
  Py_RETURN_NONE;
}

static PyObject *Frontend_activity_tripped(FrontendObject *self, PyObject *Py_UNUSED(ignored)) {
  if (!ready(self)) {
    return NULL;
  }
  return PyBool_FromLong(kws_frontend_activity_tripped(self->frontend));
}

static PyObject *Frontend_get_int(FrontendObject *self, void *which) {
  const kws_frontend *fe = self->frontend;
  if (fe == NULL) {
    PyErr_SetString(PyExc_RuntimeError, "Frontend is not initialised");
    return NULL;
  }
  switch ((int)(intptr_t)which) {
    case 0: return PyLong_FromLong(kws_frontend_n_channels(fe));
    case 1: return PyLong_FromSize_t(kws_frontend_window_samples(fe));
    case 2: return PyLong_FromSize_t(kws_frontend_step_samples(fe));
    case 3: return PyLong_FromSize_t(kws_frontend_fft_size(fe));
    default: return PyLong_FromSsize_t(self->state_bytes);
  }
}

static PyMethodDef Frontend_methods[] = {
    {"process", (PyCFunction)Frontend_process, METH_VARARGS,
     "process(samples_int16, out_uint16) -> (samples consumed, frames written)"},
    {"frames_after", (PyCFunction)Frontend_frames_after, METH_O,
     "frames_after(n) -> frames that n more samples would complete"},
    {"reset", (PyCFunction)Frontend_reset, METH_NOARGS, "forget all buffered audio and state"},
    {"activity_tripped", (PyCFunction)Frontend_activity_tripped, METH_NOARGS,
     "True if the activity detector tripped since the last call"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Frontend_getset[] = {
    {"n_channels", (getter)Frontend_get_int, NULL, "channels per frame", (void *)0},
    {"window_samples", (getter)Frontend_get_int, NULL, "samples per window", (void *)1},
    {"step_samples", (getter)Frontend_get_int, NULL, "samples per step", (void *)2},
    {"fft_size", (getter)Frontend_get_int, NULL, "FFT length", (void *)3},
    {"state_bytes", (getter)Frontend_get_int, NULL, "bytes of C state", (void *)4},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject FrontendType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    "kwstiny.frontend._cfrontend.Frontend", /* tp_name */
    sizeof(FrontendObject),                 /* tp_basicsize */
};

/* ---- module functions ------------------------------------------------------------ */

static PyObject *state_size(PyObject *Py_UNUSED(module), PyObject *dict) {
  kws_frontend_config config;
  kws_frontend_status status;
  size_t size;
  if (!config_from_dict(dict, &config)) {
    return NULL;
  }
  status = kws_frontend_check_config(&config);
  size = status == KWS_FRONTEND_OK ? kws_frontend_state_size(&config) : 0;
  if (size == 0) {
    kws_frontend *unused;
    char probe[8];
    status = kws_frontend_init(&unused, probe, 0, &config);
    raise_status(status == KWS_FRONTEND_OK || status == KWS_FRONTEND_ERROR_MEMORY
                     ? KWS_FRONTEND_ERROR_ARGUMENT
                     : status);
    return NULL;
  }
  return PyLong_FromSize_t(size);
}

static PyObject *quantize_dynamic(PyObject *Py_UNUSED(module), PyObject *args) {
  PyObject *features_object, *out_object;
  Py_buffer features, out;
  long range;
  if (!PyArg_ParseTuple(args, "OOl", &features_object, &out_object, &range)) {
    return NULL;
  }
  if (!get_buffer(features_object, &features, 'H', 0, "features")) {
    return NULL;
  }
  if (!get_buffer(out_object, &out, 'b', 1, "out")) {
    PyBuffer_Release(&features);
    return NULL;
  }
  if (out.len != features.len / (Py_ssize_t)sizeof(uint16_t)) {
    PyBuffer_Release(&features);
    PyBuffer_Release(&out);
    PyErr_SetString(PyExc_ValueError, "out must have one int8 per feature");
    return NULL;
  }
  Py_BEGIN_ALLOW_THREADS
  kws_quantize_dynamic((const uint16_t *)features.buf, (int8_t *)out.buf, (size_t)out.len,
                       (int32_t)range);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&features);
  PyBuffer_Release(&out);
  Py_RETURN_NONE;
}

static PyObject *quantize_static(PyObject *Py_UNUSED(module), PyObject *args) {
  PyObject *features_object, *out_object;
  Py_buffer features, out;
  long low, high;
  if (!PyArg_ParseTuple(args, "OOll", &features_object, &out_object, &low, &high)) {
    return NULL;
  }
  if (low < 0 || high > 65535 || low >= high) {
    PyErr_SetString(PyExc_ValueError, "need 0 <= low < high <= 65535");
    return NULL;
  }
  if (!get_buffer(features_object, &features, 'H', 0, "features")) {
    return NULL;
  }
  if (!get_buffer(out_object, &out, 'b', 1, "out")) {
    PyBuffer_Release(&features);
    return NULL;
  }
  if (out.len != features.len / (Py_ssize_t)sizeof(uint16_t)) {
    PyBuffer_Release(&features);
    PyBuffer_Release(&out);
    PyErr_SetString(PyExc_ValueError, "out must have one int8 per feature");
    return NULL;
  }
  Py_BEGIN_ALLOW_THREADS
  kws_quantize_static((const uint16_t *)features.buf, (int8_t *)out.buf, (size_t)out.len,
                      (int32_t)low, (int32_t)high);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&features);
  PyBuffer_Release(&out);
  Py_RETURN_NONE;
}

static PyObject *quantize_range(PyObject *Py_UNUSED(module), PyObject *args) {
  double range_db;
  int shift;
  if (!PyArg_ParseTuple(args, "di", &range_db, &shift)) {
    return NULL;
  }
  if (shift < 0 || shift > 15) {
    PyErr_SetString(PyExc_ValueError, "log_scale_shift must be 0 to 15");
    return NULL;
  }
  return PyLong_FromLong((long)kws_quantize_range((float)range_db, shift));
}

static PyMethodDef module_methods[] = {
    {"state_size", (PyCFunction)state_size, METH_O,
     "state_size(config) -> bytes of state the C frontend needs"},
    {"quantize_dynamic", (PyCFunction)quantize_dynamic, METH_VARARGS,
     "quantize_dynamic(features_uint16, out_int8, range): dynamic int8 scale of one window"},
    {"quantize_static", (PyCFunction)quantize_static, METH_VARARGS,
     "quantize_static(features_uint16, out_int8, low, high): fixed int8 scale, frame by frame"},
    {"quantize_range", (PyCFunction)quantize_range, METH_VARARGS,
     "quantize_range(range_db, log_scale_shift) -> range in feature units"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "kwstiny.frontend._cfrontend",
    "The C audio frontend (see kwstiny/frontend/c).", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__cfrontend(void) {
  PyObject *module;
  FrontendType.tp_flags = Py_TPFLAGS_DEFAULT;
  FrontendType.tp_doc = "Frontend(config: dict): one streaming C frontend";
  FrontendType.tp_new = PyType_GenericNew;
  FrontendType.tp_init = (initproc)Frontend_init;
  FrontendType.tp_dealloc = (destructor)Frontend_dealloc;
  FrontendType.tp_methods = Frontend_methods;
  FrontendType.tp_getset = Frontend_getset;
  if (PyType_Ready(&FrontendType) < 0) {
    return NULL;
  }
  module = PyModule_Create(&module_def);
  if (module == NULL) {
    return NULL;
  }
  ConfigError = PyErr_NewException("kwstiny.frontend._cfrontend.ConfigError", PyExc_ValueError,
                                   NULL);
  if (ConfigError == NULL || PyModule_AddObject(module, "ConfigError", ConfigError) < 0) {
    Py_XDECREF(ConfigError);
    Py_DECREF(module);
    return NULL;
  }
  Py_INCREF(ConfigError);
  Py_INCREF(&FrontendType);
  if (PyModule_AddObject(module, "Frontend", (PyObject *)&FrontendType) < 0) {
    Py_DECREF(&FrontendType);
    Py_DECREF(module);
    return NULL;
  }
  return module;
}

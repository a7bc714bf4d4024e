# Compiles every .java file under the given folders with one javac run (the SWIG output's
# file list is only known at build time). Called by CMakeLists.txt:
#   cmake -DJAVAC=... -DRELEASE=11 -DOUT=dir -DCLASSPATH=a:b -DDIRS=d1|d2 [-DLINT=...] -P javac.cmake
# Warnings are errors (LINT: the -Xlint list, default all,-serial).
string(REPLACE "|" ";" dirs "${DIRS}")
set(sources)
foreach(d IN LISTS dirs)
  file(GLOB_RECURSE found "${d}/*.java")
  list(APPEND sources ${found})
endforeach()
if(NOT sources)
  message(FATAL_ERROR "javac.cmake: no .java files under ${DIRS}")
endif()
list(SORT sources)
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
if(NOT LINT)
  set(LINT all,-serial)
endif()
set(cp)
if(CLASSPATH)
  set(cp -classpath "${CLASSPATH}")
endif()
execute_process(
  COMMAND "${JAVAC}" --release ${RELEASE} -encoding UTF-8 -Xlint:${LINT} -Werror
          ${cp} -d "${OUT}" ${sources}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "javac failed (${rc})")
endif()
